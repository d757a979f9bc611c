import * as pulumi from '@pulumi/pulumi';
import * as authorization from '@pulumi/azure-native/authorization';
import * as applicationinsights from '@pulumi/azure-native/applicationinsights';
import * as operationalinsights from '@pulumi/azure-native/operationalinsights';
import { roleDefinitionId } from '../roles';
import type { Placement } from './placement';

export interface MonitoringArgs extends Placement {
  subscriptionId: pulumi.Input<string>;
  workspaceName: string;
  appInsightsName: string;
  retentionInDays: number;
}

/**
 * Log Analytics and a workspace-based Application Insights shared by APIM and both apps (one trace).
 * `grantIngestion` lets an identity send telemetry: local (key) authentication is off.
 */
export class Monitoring extends pulumi.ComponentResource {
  readonly workspaceId: pulumi.Output<string>;
  readonly appInsightsId: pulumi.Output<string>;
  readonly connectionString: pulumi.Output<string>;
  private readonly subscriptionId: pulumi.Input<string>;
  private readonly baseName: string;

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
        // Ingestion only with an Entra token (the apps' and API Management's identities, each a
        // Monitoring Metrics Publisher): the connection string alone cannot inject telemetry.
        disableLocalAuth: true,
      },
      { parent: this },
    );

    this.workspaceId = workspace.id;
    this.appInsightsId = appInsights.id;
    this.connectionString = appInsights.connectionString;
    this.subscriptionId = args.subscriptionId;
    this.baseName = name;
    this.registerOutputs({ workspaceId: this.workspaceId, appInsightsId: this.appInsightsId });
  }

  /** Monitoring Metrics Publisher on Application Insights: what Entra ingestion asks of the sender. */
  grantIngestion(reader: { name: string; principalId: pulumi.Input<string> }): authorization.RoleAssignment {
    return new authorization.RoleAssignment(
      `${this.baseName}-${reader.name}-publishes-telemetry`,
      {
        scope: this.appInsightsId,
        principalId: reader.principalId,
        principalType: 'ServicePrincipal',
        roleDefinitionId: roleDefinitionId(this.subscriptionId, 'monitoringMetricsPublisher'),
        description: `${reader.name} sends telemetry with its identity`,
      },
      { parent: this },
    );
  }
}
