import { z } from 'zod';

/**
 * zod compiles object parsers with `new Function` unless told not to, and probes for it when the
 * first object schema is built. The dashboard's Content-Security-Policy has no 'unsafe-eval', so the
 * probe would be refused and reported as a violation. main.ts imports this module first, before any
 * module that builds a schema (the shared contracts).
 */
z.config({ jitless: true });
