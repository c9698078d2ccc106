// `node --import tsx --import ./untraced-register.mjs service.ts`: registers untraced-hooks.mjs.
import { register } from 'node:module';

register('./untraced-hooks.mjs', import.meta.url);
