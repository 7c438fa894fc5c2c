/** Response schemas of the status routes (OpenAPI reads them from the handler's route table). */
import * as z from "zod";
import { incident, RESOLVED_SHOWN_DAYS } from "./incidents.ts";

const state = z.enum(["operational", "degraded", "outage", "unknown"]);

const uptime = z.object({
  percent: z
    .number()
    .nullable()
    .describe("minutes up / minutes probed × 100, floored to 3 decimals; null when nothing was probed"),
  minutesUp: z.number().int(),
  minutesProbed: z.number().int(),
  minutesNotProbed: z.number().int().describe("minutes of the window without a probe (not counted)"),
});

const uptimes = z.object({ "24h": uptime, "7d": uptime, "30d": uptime });

const errorBudget = z.object({
  budgetMinutes: z
    .number()
    .describe("window minutes × (100 % − SLO target), e.g. 86.4 for 30 days at 99.8 %"),
  downMinutes: z.number().int(),
  remainingMinutes: z.number().describe("negative once the budget is spent"),
});

export const statusResponse = z.object({
  status: state.describe("worst current state of the components"),
  generatedAt: z.string(),
  slo: z.object({
    targetPercent: z.number(),
    windowDays: z.number().int(),
    windowMinutes: z.number().int(),
    errorBudget,
  }),
  uptime: uptimes.describe("the platform: a minute is down when any component had an outage"),
  components: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      state,
      lastProbeAt: z.string().nullable(),
      uptime: uptimes,
      errorBudget,
    }),
  ),
  notes: z.array(z.string()),
  incidents: z.object({
    open: z.array(incident).describe("every open incident, newest first"),
    resolved: z
      .array(incident)
      .describe(`incidents resolved in the last ${RESOLVED_SHOWN_DAYS} days, newest first`),
  }),
});

export type StatusResponse = z.infer<typeof statusResponse>;
