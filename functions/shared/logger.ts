import { Logger } from "@aws-lambda-powertools/logger";

/**
 * One structured logger per function (Powertools). Never log codes, passwords, tokens, message bodies
 * or full phone numbers: pass maskPhone(...) and ids only.
 */
export const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? "textgate",
  logLevel: (process.env.LOG_LEVEL as "INFO" | undefined) ?? "INFO",
});
