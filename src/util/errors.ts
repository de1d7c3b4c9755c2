/**
 * The base of the app's typed errors: a `code` the UI and the worker protocol can branch on after structured
 * cloning, `problem` (what happened, naming the file, tensor or field) and `fix` (what to do).
 *
 * `message` is `problem` followed by `fix` by default, so that a log line or a failed test that shows only
 * `message` still says what to do. The UI must not print `message` next to `fix` (that shows the fix twice):
 * serializeError (src/worker/protocol.ts) sends `problem` as the message and `fix` apart.
 */
export class AppError<Code extends string = string> extends Error {
  readonly code: Code;
  readonly problem: string;
  readonly fix: string;
  constructor(code: Code, problem: string, fix: string, message = `${problem} ${fix}`) {
    super(message);
    this.code = code;
    this.problem = problem;
    this.fix = fix;
  }
}
