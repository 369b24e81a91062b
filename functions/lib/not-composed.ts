/**
 * A port this function does not compose: touching any of its operations throws, naming it, so a
 * route or a use case wired to the wrong function fails loudly (a 500 or a failed message, logged
 * with the reason) instead of acting without the grant it needs. `then` and symbols stay undefined,
 * so the object is not taken for a promise or an iterable.
 */
export function notComposed<T extends object>(what: string): T {
  return new Proxy({} as T, {
    get(_, operation) {
      if (typeof operation === 'symbol' || operation === 'then') return undefined;
      throw notComposedError(`${what} (${operation})`);
    },
  });
}

export function notComposedError(what: string): Error {
  return new Error(`${what} is not composed for this function (functions/lib/compose*.ts, infra/wiring.ts)`);
}
