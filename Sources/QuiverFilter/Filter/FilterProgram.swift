/// A compiled FILTER expression: a flat instruction list in reverse Polish notation over a
/// fixed-size stack of ``FilterValue``s, with constant subexpressions folded at compile time.
///
/// Immutable after `init`. Literal strings, tuple elements, selector names, constants and
/// instructions live in buffers the program allocates once and frees in `deinit`; values
/// on the evaluation stack point into them, so running the program takes no reference
/// counting and, in the common case (selector values that are numbers, booleans, null or
/// strings without escapes), no heap allocation.
///
/// Measured against a tree of closures over the same values (`.year >= 1980 and .genre ==
/// "action"`, 200-byte attributes) the two cost the same within noise (119 vs 128 ns with the
/// fields first, 355 vs 363 ns with them last: reading the JSON dominates). The flat program
/// wins on the rest: no recursion (a 10,000-term `+` chain is fine) and no per-node
/// allocations.
final class FilterProgram: @unchecked Sendable {  // immutable after init; owns its buffers
    struct Instruction {
        enum Opcode: UInt8 { case constant, selector, not, binary }
        var opcode: Opcode
        var op: FilterOperator
        /// The constant's or selector's index.
        var operand: Int32
    }

    let instructions: UnsafeBufferPointer<Instruction>
    let constants: UnsafeBufferPointer<FilterValue>
    /// The distinct selectors the program reads, as key bytes.
    let selectorKeys: [UnsafeBufferPointer<UInt8>]
    /// The deepest the evaluation stack gets.
    let stackDepth: Int
    /// The result for any non-empty attributes when it does not depend on them: the value of
    /// an expression without selectors, or false when it holds an empty selector (a bare `.`).
    let fixedResult: Bool?

    private let byteStorage: UnsafeMutableBufferPointer<UInt8>
    private let elementStorage: UnsafeMutableBufferPointer<FilterValue>
    private let constantStorage: UnsafeMutableBufferPointer<FilterValue>
    private let instructionStorage: UnsafeMutableBufferPointer<Instruction>

    init(_ tree: FilterSyntaxTree) {
        // Storage for every byte and tuple element the program refers to, allocated once.
        var byteCount = tree.selectors.reduce(0) { $0 + $1.count }
        var elementCount = 0
        for node in tree.nodes {
            switch node {
            case .string(let bytes): byteCount += bytes.count
            case .tuple(let elements):
                elementCount += elements.count
                for case .string(let bytes) in elements { byteCount += bytes.count }
            default: break
            }
        }
        let byteStorage = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(byteCount, 1))
        let elementStorage = UnsafeMutableBufferPointer<FilterValue>.allocate(capacity: max(elementCount, 1))
        var nextByte = 0
        var nextElement = 0
        func store(_ bytes: [UInt8]) -> UnsafeBufferPointer<UInt8> {
            let start = byteStorage.baseAddress! + nextByte
            _ = UnsafeMutableBufferPointer(start: start, count: bytes.count).initialize(from: bytes)
            nextByte += bytes.count
            return UnsafeBufferPointer(start: start, count: bytes.count)
        }
        func stringConstant(_ bytes: [UInt8]) -> FilterValue {
            let stored = store(bytes)
            var value = FilterValue.string(UnsafeRawPointer(stored.baseAddress!), count: stored.count)
            value.number = FilterValue.stringToNumber(UnsafeRawBufferPointer(stored))
            value.numberKnown = true
            return value
        }
        let selectorKeys = tree.selectors.map(store)

        // Instructions, folding any operator whose operands are all constants.
        var code: [Instruction] = []
        var constants: [FilterValue] = []
        var depth = 0
        var maximumDepth = 1
        func pushConstant(_ value: FilterValue) {
            constants.append(value)
            code.append(Instruction(opcode: .constant, op: .not, operand: Int32(constants.count - 1)))
        }
        func constant(at i: Int) -> FilterValue? {
            code[i].opcode == .constant ? constants[Int(code[i].operand)] : nil
        }
        for node in tree.nodes {
            switch node {
            case .number(let value): pushConstant(.number(value))
            case .string(let bytes): pushConstant(stringConstant(bytes))
            case .null: pushConstant(.null)
            case .tuple(let elements):
                let start = elementStorage.baseAddress! + nextElement
                for element in elements {
                    switch element {
                    case .number(let value): elementStorage[nextElement] = .number(value)
                    case .string(let bytes): elementStorage[nextElement] = stringConstant(bytes)
                    }
                    nextElement += 1
                }
                pushConstant(.tuple(UnsafePointer(start), count: elements.count))
            case .selector(let index):
                code.append(Instruction(opcode: .selector, op: .not, operand: Int32(index)))
            case .not:
                if let operand = constant(at: code.count - 1) {
                    code.removeLast()
                    pushConstant(.number(operand.isTrue ? 0 : 1))
                } else {
                    code.append(Instruction(opcode: .not, op: .not, operand: 0))
                }
                depth -= 1  // balanced by the += 1 below
            case .binary(let op):
                if let b = constant(at: code.count - 1), let a = constant(at: code.count - 2) {
                    code.removeLast(2)
                    pushConstant(.number(FilterValue.apply(op, a, b)))
                } else {
                    code.append(Instruction(opcode: .binary, op: op, operand: 0))
                }
                depth -= 2
            }
            depth += 1
            maximumDepth = max(maximumDepth, depth)
        }
        let constantStorage = UnsafeMutableBufferPointer<FilterValue>.allocate(capacity: max(constants.count, 1))
        _ = constantStorage.initialize(from: constants)
        let instructionStorage = UnsafeMutableBufferPointer<Instruction>.allocate(capacity: code.count)
        _ = instructionStorage.initialize(from: code)
        self.byteStorage = byteStorage
        self.elementStorage = elementStorage
        self.constantStorage = constantStorage
        self.instructionStorage = instructionStorage
        self.selectorKeys = selectorKeys
        self.stackDepth = maximumDepth
        self.constants = UnsafeBufferPointer(constantStorage)
        self.instructions = UnsafeBufferPointer(instructionStorage)

        if tree.selectors.contains(where: \.isEmpty) {
            fixedResult = false
        } else if tree.selectors.isEmpty {
            fixedResult = withUnsafeTemporaryAllocation(of: FilterValue.self, capacity: maximumDepth) { stack in
                Self.run(
                    UnsafeBufferPointer(instructionStorage), constants: UnsafeBufferPointer(constantStorage),
                    selectorValues: UnsafePointer(stack.baseAddress!), stack: stack.baseAddress!)
            }
        } else {
            fixedResult = nil
        }
    }

    deinit {
        byteStorage.deallocate()
        elementStorage.deallocate()
        constantStorage.deallocate()
        instructionStorage.deallocate()
    }

    /// Runs the program over already-resolved selector values.
    @inline(__always)
    static func run(
        _ instructions: UnsafeBufferPointer<Instruction>, constants: UnsafeBufferPointer<FilterValue>,
        selectorValues: UnsafePointer<FilterValue>, stack: UnsafeMutablePointer<FilterValue>
    ) -> Bool {
        var top = -1
        for instruction in instructions {
            switch instruction.opcode {
            case .constant:
                top += 1
                stack[top] = constants[Int(instruction.operand)]
            case .selector:
                top += 1
                stack[top] = selectorValues[Int(instruction.operand)]
            case .not:
                stack[top] = .number(stack[top].isTrue ? 0 : 1)
            case .binary:
                let result = FilterValue.apply(instruction.op, stack[top - 1], stack[top])
                top -= 1
                stack[top] = .number(result)
            }
        }
        return stack[0].isTrue
    }

    /// Whether an element with these attribute bytes matches.
    ///
    /// Reads each selector's field once (one pass over the top-level object for all of them);
    /// a field that is missing, malformed or of an unsupported type (an object, or an array
    /// holding one) fails the whole element, as in Redis.
    func matches(_ attributes: UnsafeBufferPointer<UInt8>) -> Bool {
        if attributes.isEmpty { return false }
        if let fixedResult { return fixedResult }
        let selectorCount = selectorKeys.count
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: selectorCount) { starts in
            starts.initialize(repeating: -1)
            let scanner = JSONScanner(bytes: attributes)
            guard (try? scanner.locateMembers(keys: selectorKeys, starts: starts)) == selectorCount else {
                return false
            }
            return withUnsafeTemporaryAllocation(of: FilterValue.self, capacity: selectorCount + stackDepth) {
                values in
                var scratch = FilterScratch()
                for s in 0..<selectorCount {
                    guard let (value, end) = scanner.filterValue(from: starts[s], depth: 1, scratch: &scratch),
                        (try? scanner.afterElement(from: end, closer: UInt8(ascii: "}"))) != nil
                    else { return false }
                    values[s] = value
                }
                return Self.run(
                    instructions, constants: constants, selectorValues: UnsafePointer(values.baseAddress!),
                    stack: values.baseAddress! + selectorCount)
            }
        }
    }
}
