/** Status-page incidents for the operator plane: post, update, resolve; each one in the operator log. */
import { auditInput, operatorActor } from "../audit/context.ts";
import { newId } from "../shared/ids.ts";
import {
  addIncidentUpdate,
  createIncident,
  type Incident,
  type NewIncident,
  type OpenIncidentStatus,
} from "../status/incidents.ts";
import type { AdminDeps, OperatorCall } from "./ports.ts";
import { OPERATOR_LOG } from "./service.ts";

async function recordIncidentAction(
  action: string,
  incident: Incident,
  call: OperatorCall,
  deps: Pick<AdminDeps, "audit">,
): Promise<void> {
  // Incidents belong to no customer account: only the operator log records them.
  await deps.audit.record(
    auditInput(operatorActor(call.arn), call, {
      accountId: OPERATOR_LOG,
      action,
      target: { type: "incident", id: incident.incidentId },
      details: { status: incident.status, impact: incident.impact },
    }),
  );
}

export async function postIncident(
  input: Omit<NewIncident, "incidentId">,
  call: OperatorCall,
  deps: Pick<AdminDeps, "audit" | "clock">,
): Promise<Incident> {
  const incident = await createIncident({ ...input, incidentId: newId("inc") }, deps.clock);
  await recordIncidentAction("incident.posted", incident, call, deps);
  return incident;
}

export async function updateIncident(
  incidentId: string,
  change: { status: OpenIncidentStatus; message: string },
  call: OperatorCall,
  deps: Pick<AdminDeps, "audit" | "clock">,
): Promise<Incident> {
  const incident = await addIncidentUpdate(incidentId, change.status, change.message, deps.clock);
  await recordIncidentAction("incident.updated", incident, call, deps);
  return incident;
}

export async function resolveIncident(
  incidentId: string,
  message: string,
  call: OperatorCall,
  deps: Pick<AdminDeps, "audit" | "clock">,
): Promise<Incident> {
  const incident = await addIncidentUpdate(incidentId, "resolved", message, deps.clock);
  await recordIncidentAction("incident.resolved", incident, call, deps);
  return incident;
}
