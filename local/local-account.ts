/**
 * The local platform's AWS account and region, in a module of their own: the function worker
 * threads (local/workers/) need them without loading the emulators (fauxqs) at every cold start.
 */
export const LOCAL_REGION = "eu-central-1";
export const LOCAL_ACCOUNT_ID = "000000000000";
