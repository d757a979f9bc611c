import * as pulumi from '@pulumi/pulumi';
import * as applicationinsights from '@pulumi/azure-native/applicationinsights';
import * as operationalinsights from '@pulumi/azure-native/operationalinsights';
import type { Placement } from './placement';

export interface MonitoringArgs extends Placement {
  workspaceName: string;
  appInsightsName: string;
  retentionInDays: number;
}

/** Log Analytics and a workspace-based Application Insights shared by APIM and both apps (one trace). */
export class Monitoring extends pulumi.ComponentResource {
  readonly workspaceId: pulumi.Output<string>;
  readonly appInsightsId: pulumi.Output<string>;
  readonly connectionString: pulumi.Output<string>;

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super('patient-records:monitoring:Monitoring', name, {}, opts);
    const placement = { resourceGroupName: args.resourceGroupName, location: args.location, tags: args.tags };

    const workspace = new operationalinsights.Workspace(
      `${name}-logs`,
      { ...placement, workspaceName: args.workspaceName, sku: { name: 'PerGB2018' }, retentionInDays: args.retentionInDays },
      { parent: this },
    );
    const appInsights = new applicationinsights.Component(
      `${name}-appinsights`,
      {
        ...placement,
        resourceName: args.appInsightsName,
        kind: 'web',
        applicationType: 'web',
        ingestionMode: 'LogAnalytics',
        workspaceResourceId: workspace.id,
        retentionInDays: args.retentionInDays,
      },
      { parent: this },
    );

    this.workspaceId = workspace.id;
    this.appInsightsId = appInsights.id;
    this.connectionString = appInsights.connectionString;
    this.registerOutputs({ workspaceId: this.workspaceId, appInsightsId: this.appInsightsId });
  }
}
