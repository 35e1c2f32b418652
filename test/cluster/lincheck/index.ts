// A linearizability checker for key-value register histories (Wing-Gong/Porcupine style).
export { describe, step, ILLEGAL, type Input, type Operation, type Output, type State } from './model.js';
export { checkHistory, type CheckOptions, type CheckResult } from './check.js';
export { lostWrites } from './lost.js';
