import { describe, expect, it } from 'vitest';
import { distillationGroups } from '../../src/features/scaling-law/distillation';
import { fdDifference, sharesDraws } from '../../src/features/scaling-law/fdDifference';
import { pairedFdDifference } from '../../src/metrics';
import { qualityPoint, seededRandom } from './scalingLawFixtures';

describe('FD differences of two quality points', () => {
  const rand = seededRandom(Math.floor(Math.random() * 2 ** 31));
  // Leave-out FDs that move together (shared draws) around each point's FD.
  const common = Array.from({ length: 10 }, () => 20 * (rand() - 0.5));
  const leaveOut = (fd: number, own: number) => common.map((c) => fd + c + own * (rand() - 0.5));
  const fp32 = qualityPoint({
    modelId: 'mnist-var-d2',
    depth: 2,
    setting: 'fp32',
    weightBits: 32,
    fd: 50,
    fdStdErr: 30,
    seed: 0,
    fdLeaveOut: leaveOut(50, 1),
  });
  const w2 = qualityPoint({
    modelId: 'mnist-var-d2',
    depth: 2,
    setting: 'W2g32',
    weightBits: 2,
    fd: 58,
    fdStdErr: 31,
    seed: 0,
    fdLeaveOut: leaveOut(58, 1),
  });

  it('pairs points of the same draws and falls back to the independent bound otherwise', () => {
    const paired = fdDifference(w2, fp32);
    expect(paired.paired).toBe(true);
    expect(paired).toMatchObject(
      pairedFdDifference({ fd: w2.fd, leaveOut: w2.fdLeaveOut! }, { fd: fp32.fd, leaveOut: fp32.fdLeaveOut! }),
    );
    expect(paired.stdError).toBeLessThan(Math.hypot(30, 31) / 5);
    for (const other of [
      { ...fp32, seed: 1 },
      { ...fp32, samples: 50 },
      { ...fp32, steps: 20 },
      { ...fp32, fdLeaveOut: undefined },
      { ...fp32, seed: undefined },
    ]) {
      expect(sharesDraws(w2, other)).toBe(false);
      expect(fdDifference(w2, other)).toEqual({ difference: 8, stdError: Math.hypot(31, 30), paired: false });
    }
  });

  it('the distillation view judges noise by the paired error when it has one', () => {
    const rtn2 = { ...w2, modelId: 'mnist-var-d2' };
    const rtn3 = qualityPoint({
      modelId: 'mnist-var-d2',
      depth: 2,
      setting: 'W3g32',
      weightBits: 3,
      fd: 51,
      fdStdErr: 30,
      seed: 0,
      fdLeaveOut: leaveOut(51, 1),
    });
    const student = qualityPoint({
      modelId: 'mnist-var-d2-qat-w2g32-fkl',
      depth: 2,
      setting: 'W2g32',
      weightBits: 2,
      method: 'qat-fkl',
      fd: 52,
      fdStdErr: 30,
      seed: 0,
      fdLeaveOut: leaveOut(52, 1),
    });
    const [group] = distillationGroups([fp32, rtn2, rtn3, student]);
    const m = group!.methods[0]!;
    expect(m.vsRtn?.paired).toBe(true);
    expect(m.vsRtn?.difference).toBeCloseTo(-6, 10);
    // 6 FD apart with per-point errors of 30: within the independent noise, but not within the paired noise.
    expect(Math.abs(m.vsRtn!.difference)).toBeGreaterThan(2 * m.vsRtn!.stdError);
    expect(m.beyondNoise).toBe(true);
    const [unpaired] = distillationGroups([fp32, rtn2, rtn3, { ...student, fdLeaveOut: undefined }]);
    expect(unpaired!.methods[0]!.beyondNoise).toBe(false);
  });
});
