import { Aws, CfnOutput, NestedStack, Stack, type StackProps } from "aws-cdk-lib";
import * as logs from "aws-cdk-lib/aws-logs";
import type { Construct } from "constructs";
import { ApiConstruct } from "./api-construct.ts";
import { BootstrapConstruct } from "./bootstrap-construct.ts";
import { CarriersConstruct } from "./carriers-construct.ts";
import {
  AWS_SMS_EVENTS_QUEUE,
  apiThrottles,
  type Catalog,
  catalog as defaultCatalog,
} from "./catalog/index.ts";
import { FIELD_KEY_ID } from "./catalog/platform.ts";
import { DataConstruct } from "./data-construct.ts";
import { FunctionsConstruct } from "./functions-construct.ts";
import { MessagingConstruct } from "./messaging-construct.ts";
import { MonitoringConstruct } from "./monitoring-construct.ts";
import { SchedulesConstruct } from "./schedules-construct.ts";
import type { TextgateSettings } from "./settings.ts";
import { SmppConnectorConstruct } from "./smpp-connector-construct.ts";
import {
  acknowledgeTableProtection,
  TABLE_PROTECTION_PROVIDER_ID,
  TableProtectionConstruct,
} from "./table-protection-construct.ts";
import { WafConstruct } from "./waf-construct.ts";

export interface TextgateStackProps extends StackProps {
  readonly settings: TextgateSettings;
  readonly projectRoot: string;
  /** Defaults to THE catalogue; tests may pass a variant. */
  readonly catalog?: Catalog;
}

/** Catalogue id of the Lambda REQUEST authorizer. */
export const AUTHORIZER_FUNCTION_ID = "authorizer";
/** Public base URL of the API (no trailing slash), read by functions/dispatch (carrier DLR callbacks). */
export const PUBLIC_API_URL_ENV = "TEXTGATE_PUBLIC_API_URL";

/** Catalogue id of the deploy-time bootstrap function (custom resource), if the catalogue has one. */
export const BOOTSTRAP_FUNCTION_ID = "bootstrap";

/** Composes the capability constructs; every resource comes from lib/catalog. cdk-nag runs in bin/. */
export class TextgateStack extends Stack {
  readonly data: DataConstruct;
  readonly messaging: MessagingConstruct;
  readonly carriers: CarriersConstruct;
  readonly functions: FunctionsConstruct;
  readonly api: ApiConstruct;
  readonly monitoring: MonitoringConstruct;
  readonly schedules: SchedulesConstruct;
  readonly bootstrap?: BootstrapConstruct;
  readonly publicApiUrl: string;
  readonly waf?: WafConstruct;
  readonly smppConnector?: SmppConnectorConstruct;
  readonly tableProtection: TableProtectionConstruct;
  /**
   * Leaf nested stack: Lambda invoke permissions (API routes, schedules) and the usage-plan key
   * policies. Nothing in the parent refers to them, and their names are generated, so they can sit
   * outside the parent's 500-resource limit without a dependency cycle or a name collision on move.
   */
  readonly permissions: NestedStack;

  constructor(scope: Construct, id: string, props: TextgateStackProps) {
    super(scope, id, props);
    const { settings } = props;
    const catalog = props.catalog ?? defaultCatalog;
    const logRetention =
      settings.stage === "prod" ? logs.RetentionDays.THREE_MONTHS : logs.RetentionDays.ONE_MONTH;

    this.data = new DataConstruct(this, "Data", {
      stage: settings.stage,
      keys: catalog.keys,
      tables: catalog.tables,
      ...(settings.replicaRegion ? { replicaRegion: settings.replicaRegion } : {}),
    });
    this.messaging = new MessagingConstruct(this, "Messaging", {
      stage: settings.stage,
      queues: catalog.queues,
      key: this.data.atRest("queues"),
    });
    this.carriers = new CarriersConstruct(this, "Carriers", {
      stage: settings.stage,
      // The topic AWS End User Messaging publishes to sits with the other AWS-service-facing data
      // (alarm topic, logs); the table/queue key then only lets SNS deliver from this one topic.
      key: this.data.atRest("alarms"),
      eventsQueue: this.messaging.queue(AWS_SMS_EVENTS_QUEUE),
      eventsDlq: this.messaging.dlq(AWS_SMS_EVENTS_QUEUE),
    });
    this.functions = new FunctionsConstruct(this, "Functions", {
      stage: settings.stage,
      specs: catalog.functions,
      targets: {
        data: this.data,
        messaging: this.messaging,
        ...(settings.mail ? { mail: settings.mail } : {}),
        smsSend: this.carriers.smsSend,
        ...(settings.smsOriginationIdentityArns
          ? { smsOriginationIdentityArns: settings.smsOriginationIdentityArns }
          : {}),
      },
      logKey: this.data.atRest("logs"),
      logRetention,
      bundling: settings.bundling,
      projectRoot: props.projectRoot,
      scheduled: new Set(catalog.schedules.map((schedule) => schedule.function)),
    });
    this.permissions = new NestedStack(this, "Permissions", {
      description: `Textgate ${settings.stage}: invoke permissions and usage-plan key policies for the parent stack's functions`,
    });
    this.schedules = new SchedulesConstruct(this, "Schedules", {
      stage: settings.stage,
      schedules: catalog.schedules,
      functionById: (fnId) => this.functions.fn(fnId),
      permissionScope: this.permissions,
    });
    this.messaging.connectConsumers((fnId) => this.functions.fn(fnId));
    this.api = new ApiConstruct(this, "Api", {
      stage: settings.stage,
      routes: catalog.routes,
      functionById: (fnId) => this.functions.fn(fnId),
      authorizerFunction: AUTHORIZER_FUNCTION_ID,
      logKey: this.data.atRest("logs"),
      logRetention,
      stageThrottle: apiThrottles.stage,
      perKeyThrottle: apiThrottles.perKey,
      enforcePerKeyThrottle: settings.perKeyThrottle,
      wafProtected: settings.waf,
      accountCloudWatchRole: settings.apiGatewayAccountRole,
      permissionScope: this.permissions,
      ...(settings.domainName && settings.certificateArn
        ? { customDomain: { domainName: settings.domainName, certificateArn: settings.certificateArn } }
        : {}),
    });
    for (const spec of catalog.functions.filter((fn) => fn.grants.usagePlan === "manage")) {
      const role = this.functions.fn(spec.id).role;
      if (!role) throw new Error(`functions: ${spec.id} has no role`);
      this.api.allowAddingKeysToUsagePlan(spec.id, role);
    }
    if (settings.waf) {
      this.waf = new WafConstruct(this, "Waf", {
        stage: settings.stage,
        stageArn: this.api.api.deploymentStage.stageArn,
      });
    }
    this.publicApiUrl = settings.domainName
      ? `https://${settings.domainName}`
      : `https://${this.api.api.restApiId}.execute-api.${Aws.REGION}.${Aws.URL_SUFFIX}/${settings.stage}`;
    // Functions behind the API cannot reference it (API → integration → function → API is a cycle);
    // the others (queue consumers, bootstrap) learn the URL they hand out, e.g. DLR callback URLs.
    for (const fnId of functionsOffTheApi(catalog)) {
      this.functions.fn(fnId).addEnvironment(PUBLIC_API_URL_ENV, this.publicApiUrl);
    }
    if (this.functions.functions.has(BOOTSTRAP_FUNCTION_ID)) {
      this.bootstrap = new BootstrapConstruct(this, "Bootstrap", {
        stage: settings.stage,
        handler: this.functions.fn(BOOTSTRAP_FUNCTION_ID),
        logKey: this.data.atRest("logs"),
        logRetention,
      });
    }
    this.monitoring = new MonitoringConstruct(this, "Monitoring", {
      stage: settings.stage,
      key: this.data.atRest("alarms"),
      api: this.api.api,
      functions: this.functions.functions,
      queues: this.messaging.queues,
      ...(settings.alarmEmail ? { alarmEmail: settings.alarmEmail } : {}),
    });

    if (settings.smppConnector) {
      this.smppConnector = new SmppConnectorConstruct(this, "SmppConnector", {
        stage: settings.stage,
        projectRoot: props.projectRoot,
        desiredCount: settings.smppConnector.desiredCount,
        carriers: settings.smppConnector.carriers,
        targets: { data: this.data, messaging: this.messaging },
        logKey: this.data.atRest("logs"),
        secretKey: this.data.key(FIELD_KEY_ID),
        logRetention,
        roleScope: this.functions.roleStack,
      });
    }

    // Last: deletion protection goes on only once everything else exists (see the construct).
    const everythingElse = this.node.children.filter((child) => child !== this.data);
    this.tableProtection = new TableProtectionConstruct(this, "TableProtection", {
      tables: this.data.tables,
      after: everythingElse,
    });
    const provider = this.tableProtection.protectionStack.node.tryFindChild(TABLE_PROTECTION_PROVIDER_ID);
    if (provider) acknowledgeTableProtection(provider as Construct);

    new CfnOutput(this, "ApiUrl", { value: this.publicApiUrl });
    new CfnOutput(this, "UsagePlanId", { value: this.api.usagePlan.usagePlanId });
    new CfnOutput(this, "AlarmTopicArn", { value: this.monitoring.topic.topicArn });
    new CfnOutput(this, "OperatorPolicyArn", {
      value: this.api.operatorPolicy.managedPolicyArn,
      description: "Attach to the IAM users/roles that run the textgate CLI (operator API, /v1/admin)",
    });
  }
}

/** Functions no deployed route or the authorizer points at. */
export function functionsOffTheApi(catalog: Catalog): string[] {
  const onTheApi = new Set(catalog.routes.filter((route) => !route.localOnly).map((route) => route.function));
  onTheApi.add(AUTHORIZER_FUNCTION_ID);
  return catalog.functions.map((fn) => fn.id).filter((id) => !onTheApi.has(id));
}
