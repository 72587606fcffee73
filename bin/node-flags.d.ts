export declare const NODE_FLAGS: readonly string[];
export declare function hasFlag(args: readonly string[], flag: string): boolean;
