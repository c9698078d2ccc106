// A module resolution hook (node:module register) for running Ultra from its TypeScript
// source: resolves every package with the `ultra-source` export condition, which points
// each @ultra/* package at src/*.ts instead of the compiled dist/*.js. Same as
// `node --conditions=ultra-source`.
export async function resolve(specifier, context, next) {
  return next(specifier, { ...context, conditions: [...context.conditions, 'ultra-source'] });
}
