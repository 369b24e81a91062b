/**
 * Names the stateless stack's pieces share.
 *
 * The construct modules of this folder add their resources to the scope they are given (the
 * stateless stack), under the ids the stack always used: CloudFormation logical IDs derive from the
 * construct path, and a changed logical ID replaces the resource in every deployed stack. Ids built
 * from infra/wiring.ts names go through `pascal` (`startBatch` → `StartBatchFunction`, …).
 */
export const pascal = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);
