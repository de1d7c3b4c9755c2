/**
 * The one error type of the kernel classes: thrown synchronously from `encode()` / `run()` / `upload()` before
 * anything reaches the GPU, so a bad call never becomes an uncaptured WebGPU validation error far from its cause.
 * The message names the argument, what was expected, what was found, and the fix.
 */
export class KernelInputError extends Error {
  override readonly name = 'KernelInputError';
  /** Owner of the check, e.g. 'QuantMatmulKernel'. */
  readonly kernel: string;
  constructor(kernel: string, message: string) {
    super(`${kernel}: ${message}`);
    this.kernel = kernel;
  }
}
