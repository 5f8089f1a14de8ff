// Types of postgres-binaries.js (plain Node, so bootstrap can run it before node_modules exists).
export declare function reachableByOthers(file: string): boolean;
export declare function binariesPackage(root: string): string | undefined;
export declare function makePostgresBinariesReachable(packageDir: string, sharedRoot: string): string | undefined;
