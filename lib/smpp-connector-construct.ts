import { CfnOutput, RemovalPolicy } from "aws-cdk-lib";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import { Platform } from "aws-cdk-lib/aws-ecr-assets";
import * as ecs from "aws-cdk-lib/aws-ecs";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as kms from "aws-cdk-lib/aws-kms";
import * as logs from "aws-cdk-lib/aws-logs";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";
import { acknowledge } from "./acknowledge.ts";
import { envNames, physicalName, smppConnectorGrants } from "./catalog/index.ts";
import { applyGrants, type GrantTargets } from "./function-grants.ts";
import { tableArnAsSeenBy } from "./functions-construct.ts";

/**
 * The SMPP connector on AWS (`-c smppConnector=true`): a one-AZ VPC whose only way out is a NAT
 * gateway on a fixed Elastic IP (carriers allow-list it; printed as SmppEgressIp), an ECS cluster
 * and a Fargate service (arm64, 0.25 vCPU / 512 MiB, desired count from context) running
 * functions/carriers/smpp/main.ts. It reads the sms-smpp queue and writes statuses to the messages
 * table with the catalogue grants; bind passwords live in a Secrets Manager secret encrypted with the
 * data key, injected by reference, never in the template, the image or the logs.
 */
export interface SmppConnectorProps {
  readonly stage: string;
  readonly projectRoot: string;
  readonly desiredCount: number;
  /** JSON array of carrier entries (functions/carriers/smpp/entry.ts), no secrets. */
  readonly carriers: string;
  readonly targets: GrantTargets;
  /** Encrypts the connector's log groups (VPC flow logs, container logs): the stack's logs key. */
  readonly logKey: kms.IKey;
  /** Encrypts the carriers' bind passwords: the field key, as for every other sealed secret. */
  readonly secretKey: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  /**
   * Where the execution and flow-log roles (and their policies) are created: the function role
   * stack, to keep them off the parent's resource count (generated names, safe to move). The task
   * role stays here: the secret's grant names it in the field key's policy, and a key in the parent
   * naming a role in the nested stack that reads the key would be a dependency cycle.
   * @default this construct
   */
  readonly roleScope?: Construct;
}

export class SmppConnectorConstruct extends Construct {
  readonly egressIp: ec2.CfnEIP;
  readonly service: ecs.FargateService;
  readonly secret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: SmppConnectorProps) {
    super(scope, id);
    this.egressIp = new ec2.CfnEIP(this, "EgressIp", { domain: "vpc" });
    const vpc = new ec2.Vpc(this, "Vpc", {
      maxAzs: 1,
      natGateways: 1,
      natGatewayProvider: ec2.NatProvider.gateway({ eipAllocationIds: [this.egressIp.attrAllocationId] }),
      subnetConfiguration: [
        { name: "public", subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: "connector", subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 24 },
      ],
    });
    const flowLogs = new logs.LogGroup(this, "FlowLogs", {
      retention: props.logRetention,
      encryptionKey: props.logKey,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const roleScope = props.roleScope ?? this;
    const flowLogRole = new iam.Role(roleScope, "SmppConnector-FlowLogRole", {
      assumedBy: new iam.ServicePrincipal("vpc-flow-logs.amazonaws.com"),
    });
    vpc.addFlowLog("FlowLog", {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs, flowLogRole),
    });

    const cluster = new ecs.Cluster(this, "Cluster", {
      vpc,
      clusterName: physicalName(props.stage, "smpp"),
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });
    const task = new ecs.FargateTaskDefinition(this, "Task", {
      executionRole: new iam.Role(roleScope, "SmppConnector-ExecutionRole", {
        assumedBy: new iam.ServicePrincipal("ecs-tasks.amazonaws.com"),
      }),
      cpu: 256,
      memoryLimitMiB: 512,
      runtimePlatform: {
        cpuArchitecture: ecs.CpuArchitecture.ARM64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
    });
    this.secret = new secretsmanager.Secret(this, "CarrierPasswords", {
      description: "SMPP bind passwords: JSON object from each carrier entry's passwordEnv to its password",
      encryptionKey: props.secretKey,
    });
    this.secret.grantRead(task.taskRole);
    const env = applyGrants(task.taskRole, smppConnectorGrants, props.targets);
    const logGroup = new logs.LogGroup(this, "Logs", {
      retention: props.logRetention,
      encryptionKey: props.logKey,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    task.addContainer("connector", {
      // Staged by synth (no docker needed); built for arm64 by cdk deploy.
      image: ecs.ContainerImage.fromAsset(props.projectRoot, {
        file: "Dockerfile.smpp-connector",
        platform: Platform.LINUX_ARM64,
        exclude: ["node_modules", "cdk.out", ".textgate", ".git", "test", "bench", "docs", "tools", "local"],
      }),
      logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: "smpp" }),
      environment: {
        ...env,
        [envNames.stage]: props.stage,
        [envNames.smppCarriers]: props.carriers,
        [envNames.smppSecretArn]: this.secret.secretArn,
      },
      readonlyRootFilesystem: true,
    });
    this.service = new ecs.FargateService(this, "Service", {
      cluster,
      taskDefinition: task,
      desiredCount: props.desiredCount,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      assignPublicIp: false,
      // One connector at a time during deploys: two would share the carriers' bind limits.
      minHealthyPercent: 0,
      maxHealthyPercent: 100,
      circuitBreaker: { rollback: true },
    });
    acknowledge(this.secret, [
      {
        id: "AwsSolutions-SMG4",
        reason:
          "SMPP passwords are issued by each carrier; they are rotated with the carrier, then stored here.",
      },
    ]);
    const messagesTable = props.targets.data.table("messages");
    acknowledge(task.taskRole, [
      {
        id: `AwsSolutions-IAM5[Resource::<${tableArnAsSeenBy(task.taskRole, messagesTable)}>/index/*]`,
        reason:
          "The messages table grant covers its GSIs: index ARNs are <table ARN>/index/<name>, so the wildcard reaches only that table's indexes, with the same actions.",
      },
      ...["GenerateDataKey*", "ReEncrypt*"].map((action) => ({
        id: `AwsSolutions-IAM5[Action::kms:${action}]`,
        reason:
          "Writing the CMK-encrypted messages table needs the data key's GenerateDataKey*/ReEncrypt* (CDK grantReadWriteData); the statement is scoped to the one data-key ARN.",
      })),
    ]);
    if (task.executionRole) {
      acknowledge(task.executionRole, [
        {
          id: "AwsSolutions-IAM5[Resource::*]",
          reason:
            "ECS pulls the connector image from the CDK asset repository: ecr:GetAuthorizationToken supports no resource-level permission, so AWS requires Resource '*' for it.",
        },
      ]);
    }
    acknowledge(task, [
      {
        id: "AwsSolutions-ECS2",
        reason:
          "Environment holds resource names and the carrier list only; passwords come from Secrets Manager at start.",
      },
    ]);
    new CfnOutput(scope, "SmppEgressIp", {
      value: this.egressIp.ref,
      description: "Fixed source IP of every SMPP bind: give it to carriers for their allow-lists",
    });
  }
}
