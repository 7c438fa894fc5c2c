/**
 * The audit partition of the operator log (not a customer account: ids there are acc_…). Its own
 * module so that operator functions other than the admin one record there without bundling it.
 */
export const OPERATOR_LOG = "operator";
