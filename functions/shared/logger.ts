import { LogFormatter, Logger, LogItem } from "@aws-lambda-powertools/logger";
import type { LogAttributes, UnformattedAttributes } from "@aws-lambda-powertools/logger/types";

/**
 * Powertools' standard keys minus what CloudWatch already tells per line: the log group names the
 * function (function_name, function_arn, function_memory_size), sampling_rate is a constant, and
 * cold_start is written only when true. About 150 bytes less per line (bench: log bytes per SMS).
 * The request id, X-Ray trace id and every appended key (accountId…) stay.
 */
class CompactLogFormatter extends LogFormatter {
  public formatAttributes(attributes: UnformattedAttributes, additional: LogAttributes): LogItem {
    const context = attributes.lambdaContext;
    return new LogItem({
      attributes: {
        level: attributes.logLevel,
        message: attributes.message,
        timestamp: this.formatTimestamp(attributes.timestamp),
        service: attributes.serviceName,
        ...(context?.coldStart ? { cold_start: true } : {}),
        ...(context?.awsRequestId ? { function_request_id: context.awsRequestId } : {}),
        ...(attributes.xRayTraceId ? { xray_trace_id: attributes.xRayTraceId } : {}),
      },
    }).addAttributes(additional);
  }
}

/**
 * One structured logger per function (Powertools). Never log codes, passwords, tokens, message bodies
 * or full phone numbers: pass maskPhone(...) and ids only.
 */
export const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? "textgate",
  logLevel: (process.env.LOG_LEVEL as "INFO" | undefined) ?? "INFO",
  logFormatter: new CompactLogFormatter(),
});
