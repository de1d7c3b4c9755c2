import type { StateCreator } from 'zustand';
import type { AppState } from './index';

/** A slice creator that sees the whole store but contributes only its own fields. */
export type SliceCreator<T> = StateCreator<AppState, [], [], T>;
