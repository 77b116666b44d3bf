/// `import QuiverIndex` brings in the metric, encoding and SIMD types its API uses.
@_exported public import QuiverKernels
