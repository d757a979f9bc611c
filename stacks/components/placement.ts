import type * as pulumi from '@pulumi/pulumi';

/** Where a component's resources go; every component takes these. */
export interface Placement {
  resourceGroupName: pulumi.Input<string>;
  location: string;
  tags: Record<string, string>;
}
