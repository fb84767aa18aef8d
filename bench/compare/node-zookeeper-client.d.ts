// The part of node-zookeeper-client (plain JavaScript) the comparison benchmark uses.
declare module 'node-zookeeper-client' {
  export interface Stat { version: number }
  export interface Event { getType(): number; getPath(): string }
  export type Callback<T> = (error: Error | null, result: T) => void;
  export interface Client {
    connect(): void;
    close(): void;
    once(event: 'connected' | 'disconnected' | 'expired', listener: () => void): void;
    on(event: 'state', listener: (state: { name: string }) => void): void;
    create(path: string, data: Buffer, mode: number, callback: Callback<string>): void;
    setData(path: string, data: Buffer, version: number, callback: Callback<Stat>): void;
    getData(path: string, watcher: ((event: Event) => void) | undefined, callback: (error: Error | null, data: Buffer, stat: Stat) => void): void;
    exists(path: string, callback: Callback<Stat | null>): void;
  }
  export const CreateMode: { PERSISTENT: number; EPHEMERAL: number };
  export function createClient(connectionString: string, options?: { sessionTimeout?: number; spinDelay?: number; retries?: number }): Client;
}
