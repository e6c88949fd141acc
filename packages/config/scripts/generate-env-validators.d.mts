// Types for the generator, so the test that checks the committed file is current can import it.
export declare const GENERATED_FILE: string
export declare function renderEnvValidators(
  schemasByGroup: ReadonlyMap<string, Record<string, unknown>>,
  options: Readonly<Record<string, unknown>>,
): string
