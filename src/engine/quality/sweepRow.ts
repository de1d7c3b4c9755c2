/**
 * The one edge between a quality point and its text form (a sweep file row, a JSON or CSV export, the sweep
 * driver's output): the setting is printed here going out and parsed here coming in, nowhere else.
 */
import { parseSetting, settingToString } from '../../quant/setting';
import type { PointSize, QualityPoint, SizeRow, SweepRow } from './types';

export function toSweepRow(point: QualityPoint): SweepRow {
  return { ...point, setting: settingToString(point.setting) };
}

/** Throws SettingParseError when the row's setting is not one this build reads (a newer file). */
export function fromSweepRow(row: SweepRow): QualityPoint {
  return { ...row, setting: parseSetting(row.setting) };
}

/** A point's size (npm run sweep -- --sizes-only) as a file row. */
export function toSizeRow(size: PointSize): SizeRow {
  return { ...size, setting: settingToString(size.setting) };
}
