import { DeploymentDetail } from "@/components/deployments/DeploymentDetail";

export default async function Page({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <DeploymentDetail id={id} />;
}
