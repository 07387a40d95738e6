/** A setting is wrong: the message names it, and the command line exits with status 2. */
export class ConfigError extends Error {}
