/**
 * Import first (side effect): the functions log every request (Powertools, JSON lines on stdout), and
 * tools that fire thousands of requests in-process keep their output readable by raising the log
 * level before any logger is created.
 */
process.env.LOG_LEVEL ??= "ERROR";
process.env.POWERTOOLS_LOG_LEVEL ??= "ERROR";
