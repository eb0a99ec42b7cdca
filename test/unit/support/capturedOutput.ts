/**
 * What a CLI command run in-process writes to stdout and stderr, captured afresh for each test of
 * the file that calls this (at its top level).
 */
export function capturedOutput(): { stdout: () => string; stderr: () => string } {
  let stdout = '';
  let stderr = '';
  beforeEach(() => {
    stdout = '';
    stderr = '';
    jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  });
  afterEach(() => jest.restoreAllMocks());
  return { stdout: () => stdout, stderr: () => stderr };
}
