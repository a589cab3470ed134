import { Redis, type RedisOptions } from "ioredis";

export type TRedis = Redis;

export type TCreateRedisOptions = RedisOptions & {
  /**
   * BullMQ workers and blocking readers (XREAD BLOCK) need `maxRetriesPerRequest: null`; plain command
   * clients keep ioredis' default so a dead Redis fails a command instead of hanging it.
   */
  blocking?: boolean;
};

export function createRedis(url: string, opts: TCreateRedisOptions = {}): TRedis {
  const { blocking, ...rest } = opts;
  return new Redis(url, {
    lazyConnect: false,
    ...(blocking ? { maxRetriesPerRequest: null } : {}),
    ...rest,
  });
}
