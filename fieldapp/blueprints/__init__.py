"""Page blueprints: one module, one template folder each."""
