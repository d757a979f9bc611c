/** An answer in ARM's error shape, `{"error":{"code","message"}}`, with its HTTP status. */
export class ArmError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ArmError';
  }
}

const NOT_FOUND_FIX = 'For more details please go to https://aka.ms/ARMResourceNotFoundFix';

/** ARM's answer for a resource that does not exist. */
export function resourceNotFound(type: string, name: string, resourceGroup: string): ArmError {
  return new ArmError(404, 'ResourceNotFound', `The Resource '${type}/${name}' under resource group '${resourceGroup}' was not found. ${NOT_FOUND_FIX}`);
}
