/**
 * The configuration Ultra runs on when given none: the action plan's block, as it is.
 * Every other setting takes its default (see docs/architecture.md and the schema).
 */
export const DEFAULT_CONFIG_YAML = `providers:
  primary:
    - openai
    - anthropic
  secondary:
    - google
    - cohere
health_check:
  interval: 30s
  timeout: 5s
  threshold: 3
failover:
  strategy: round-robin
  sticky_sessions: true
  cooldown: 300s
`;

/** The name given to the built-in configuration in messages. */
export const DEFAULT_SOURCE = 'built-in default';
