import { ConfigError } from './config-error.ts';
import { parseConfig } from './load.ts';

/** For tests: the problems `parseConfig` lists for `yaml` (under the file name `test.yaml`); throws if it loads. */
export function problemsOf(yaml: string, env: Readonly<Record<string, string | undefined>> = {}): readonly string[] {
  try {
    parseConfig(yaml, 'test.yaml', env);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error('expected the config to be rejected');
}
