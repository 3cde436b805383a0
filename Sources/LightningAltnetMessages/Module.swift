// LightningAltnetMessages: scaffold.
