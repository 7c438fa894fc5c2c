import { Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks, type NagPack, ServerlessChecks } from "cdk-nag";
import type { IConstruct } from "constructs";

/** The cdk-nag packs Textgate must pass; bin/ registers them on the app, tests run them directly. */
export const nagPacks = (scope?: IConstruct): NagPack[] => [
  new AwsSolutionsChecks(scope, { verbose: true }),
  new ServerlessChecks(scope, { verbose: true }),
];

/** cdk-nag v3 is a CDK policy-validation plugin: unacknowledged errors fail `cdk synth`. */
export function applyNag(app: IConstruct): void {
  Validations.of(app).addPlugins(...nagPacks(app));
}
