import Testing

// Tests for this target arrive with its module.
@Test func scaffold() {}
