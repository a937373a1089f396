/** A setting of the environment that is missing or wrong: start-up stops with its message, which names the variable. */
export class ConfigError extends Error {}
