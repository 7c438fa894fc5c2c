/** The part of autocannon's programmatic API the load tool uses (the package ships no types). */
declare module "autocannon" {
  interface Histogram {
    readonly p50: number;
    readonly p90: number;
    readonly p99: number;
    readonly max: number;
    readonly mean: number;
  }
  interface RequestParams {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string;
  }
  interface Options {
    url: string;
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    connections?: number;
    duration?: number;
    overallRate?: number;
    amount?: number;
    timeout?: number;
    requests?: { setupRequest?: (request: RequestParams) => RequestParams; method?: string }[];
  }
  interface Result {
    readonly requests: { readonly total: number; readonly average: number };
    readonly latency: Histogram;
    readonly errors: number;
    readonly timeouts: number;
    readonly non2xx: number;
    readonly statusCodeStats: Record<string, { count: number }>;
    readonly duration: number;
  }
  function autocannon(options: Options): Promise<Result>;
  export default autocannon;
}
