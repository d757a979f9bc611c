import path from 'node:path';

/**
 * Where the apps' packages are written: the stack's `packagesDir`, relative to the repository
 * root. Read by the program, which builds them there, and by `patientctl deploy`, which uploads them.
 */
export function resolvePackagesDir(configured: string | undefined, root: string): string {
  const value = configured?.trim();
  return path.resolve(root, value ? value : 'dist/packages');
}
