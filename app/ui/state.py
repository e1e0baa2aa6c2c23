"""Session-state keys shared by the entrypoint and the pages."""

DATASET = "dataset"                 # the dataset picked in the sidebar (a name)
DATASET_PENDING = "dataset_pending"  # set by a page; applied before the picker renders
UPLOADS = "uploads"                 # file_id -> temp path of files uploaded this session
DOCTOR = "doctor_findings"          # the Models page's last health-check results
