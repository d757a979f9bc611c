/** The part of a process stream the CLI writes to. */
export interface OutputStream {
  write(text: string): unknown;
  on(event: 'error', listener: (error: NodeJS.ErrnoException) => void): unknown;
}

/**
 * A writer that stops writing once the reader has gone (`patientctl … | head -1`): the command
 * carries on to its end, which matters mid-rotation, and exits with its own code instead of
 * crashing on `write EPIPE`. Any other stream error still surfaces.
 */
export function writeUntilClosed(stream: OutputStream): (text: string) => void {
  let closed = false;
  stream.on('error', (error) => {
    if (error.code !== 'EPIPE') throw error;
    closed = true;
  });
  return (text) => {
    if (!closed) stream.write(text);
  };
}
