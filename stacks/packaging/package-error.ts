/** An app could not be packaged: a bundling error, a missing host.json, or a zip over the limit. */
export class PackageBuildError extends Error {
  override readonly name = 'PackageBuildError';
}
