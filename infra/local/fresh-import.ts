/**
 * Handlers read process.env when their module loads; a second local service in one process needs
 * new instances of the entry modules. One counter for every loader (the gateway and the triggers), so
 * two loaders can never hand out the same `?instance=N` and get a module that read another service's env.
 */
let generation = 0;

export function freshImportUrl(url: string): string {
  return `${url}?instance=${++generation}`;
}
