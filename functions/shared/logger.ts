import { LogFormatter, Logger, LogItem } from "@aws-lambda-powertools/logger";
import type { LogAttributes, UnformattedAttributes } from "@aws-lambda-powertools/logger/types";

/**
 * Whether X-Ray records the current invocation's trace. Lambda sets the header for every invocation
 * of an actively traced function, sampled or not (the default rule samples about 5%).
 */
const traceIsSampled = (): boolean => /(?:^|;)Sampled=1(?:;|$)/.test(process.env._X_AMZN_TRACE_ID ?? "");

/**
 * Powertools' standard keys minus what CloudWatch already tells per line: the log group names the
 * function (function_name, function_arn, function_memory_size, and service, which is
 * textgate-<function>), sampling_rate is a constant, and cold_start is written only when true. The
 * X-Ray trace id is written only when that trace is recorded: for the unsampled ~95% it would name
 * a trace that does not exist (about 54 bytes per line). The request id and every appended key
 * (accountId…) stay. Bench: log bytes per SMS (bench/RESULTS.md).
 */
class CompactLogFormatter extends LogFormatter {
  public formatAttributes(attributes: UnformattedAttributes, additional: LogAttributes): LogItem {
    const context = attributes.lambdaContext;
    return new LogItem({
      attributes: {
        level: attributes.logLevel,
        message: attributes.message,
        timestamp: this.formatTimestamp(attributes.timestamp),
        ...(context?.coldStart ? { cold_start: true } : {}),
        ...(context?.awsRequestId ? { function_request_id: context.awsRequestId } : {}),
        ...(attributes.xRayTraceId && traceIsSampled() ? { xray_trace_id: attributes.xRayTraceId } : {}),
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
