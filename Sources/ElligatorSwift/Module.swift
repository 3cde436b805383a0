// ElligatorSwift: scaffold; the module is being built (see the issues).
