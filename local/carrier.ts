/**
 * The seam to the carrier simulator (local/carrier-sim/, built by the messaging capability). The
 * platform starts it when present; without it the outbox is simply empty.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { projectRoot } from "./lambda-runtime.ts";

export interface CarrierSimOptions {
  readonly port: number;
  /** Base URL of the local API (the simulator posts delivery reports to its DLR route). */
  readonly apiUrl: string;
  readonly dlrUrl: string;
}

export interface CarrierSim {
  readonly url: string;
  /** What the simulated carrier received, newest first; `to` filters by recipient. */
  outbox(to?: string): unknown;
  stop?(): Promise<void>;
}

type StartCarrierSim = (options: CarrierSimOptions) => Promise<CarrierSim>;

const SIM_ENTRY = resolve(projectRoot, "local/carrier-sim/index.ts");

export async function startCarrier(options: CarrierSimOptions): Promise<CarrierSim | undefined> {
  if (!existsSync(SIM_ENTRY)) return undefined;
  const mod = (await import(pathToFileURL(SIM_ENTRY).href)) as { startCarrierSim?: StartCarrierSim };
  if (typeof mod.startCarrierSim !== "function") return undefined;
  return mod.startCarrierSim(options);
}
