/**
 * protobuf-es messages keep proto2 defaults on their prototype: copy them with the prototype kept, so that
 * presence and unknown fields survive, and the original stays untouched.
 */
export function shallowCopy<T extends object>(msg: T): T {
  return Object.assign(Object.create(Object.getPrototypeOf(msg) as object) as T, msg);
}
