// The two contenders with no Node in them, each a C program that times
// itself: the core (bench/c-driver/driver.cpp: validate_data through
// lua_pcall on the project's native core) and the floor (bench/floor: the
// same on bare Lua with the narrowest API the policy needs). Each reports its
// own ns per message; how many iterations a run takes is chosen so that it
// lasts about as long as a benchmark.js measurement.

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import type { EngineName } from '../../src/index.js';

export type NativeProgram = 'core' | 'floor';

const BINARY: Record<NativeProgram, string> = { core: 'c_driver', floor: 'floor' };
const BUILD_DIR: Record<EngineName, string> = { luajit: 'build/Release', lua51: 'engines/lua51/build/Release' };
const ENGINE_LABEL: Record<EngineName, string> = { luajit: 'LuaJIT', lua51: 'Lua 5.1' };

export const programPath = (program: NativeProgram, engine: EngineName) => `${BUILD_DIR[engine]}/${BINARY[program]}`;

/** The row's name in the table: "core, LuaJIT (c-driver, no Node)". */
export function nativeName(program: NativeProgram, engine: EngineName): string {
  const how = program === 'core' ? 'c-driver, no Node' : 'bare Lua, no Node';
  return `${program}, ${ENGINE_LABEL[engine]} (${how})`;
}

export interface NativeRun {
  nsPerMessage: number;
  code: number | null;
  maxRssKb: number;
}

/** Runs the program on a message file ("-": the bytes given as input). */
export function runNative(program: NativeProgram, engine: EngineName, policyFile: string, module: string, messageFile: string, iterations: number, input?: Buffer): NativeRun {
  const binary = programPath(program, engine);
  if (!fs.existsSync(binary)) throw new Error(`${binary} is not built: a checkout builds it with the addon (npx node-gyp build${engine === 'lua51' ? ' in engines/lua51' : ''})`);
  const out = execFileSync(binary, [policyFile, module, messageFile, String(iterations)], { encoding: 'utf8', stdio: 'pipe', ...(input ? { input } : {}) });
  return JSON.parse(out) as NativeRun;
}

/** Iterations that take about `seconds`, from a short first run. */
export function iterationsFor(program: NativeProgram, engine: EngineName, policyFile: string, module: string, messageFile: string, seconds: number): number {
  const probe = runNative(program, engine, policyFile, module, messageFile, 200);
  return Math.max(200, Math.min(20_000_000, Math.round((seconds * 1e9) / probe.nsPerMessage)));
}
