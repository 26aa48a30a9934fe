export declare const ROOT: string;
export declare const BUILD_INPUTS: string[];
export declare const STAMP_FILE: string;
export declare function buildInputsHash(root?: string): string;
export declare function builtFrom(outDir?: string): string;
