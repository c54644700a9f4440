/**
 * The invariant sweep (`sweep`) and the checks it is made of, for any test that compares what an
 * adapter answers with a model.
 */
export { compareIds, equal, listAll, type PageOf, stamps, unchanged } from "./checks.js"
export { sweep } from "./sweep.js"
