// Types of tools.js (plain Node, so bootstrap can run before node_modules exists).
export declare const ROOT: string;
export declare const TOOLS_DIR: string;
export declare const TOOLS_BIN: string;
export declare function findTool(name: string): string | undefined;
export declare function onPath(name: string): string | undefined;
export declare function requireTool(name: string): string;
