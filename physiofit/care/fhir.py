"""An episode of care as a FHIR R4 Bundle (R4B models of fhir.resources): being written."""
